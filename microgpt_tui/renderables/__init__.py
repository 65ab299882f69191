"""Pure Rich renderables (no Textual): the attention heatmap and the probability bars."""

BOS_MARK = "·"  # how BOS is shown in labels (the start of a name)
EOS_MARK = "⏎"  # how EOS is shown among next characters (the end of a name)
