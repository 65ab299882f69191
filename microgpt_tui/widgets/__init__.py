"""The app's panels, one per module; each takes plain data through a `show...` method."""

from .attention_panel import AttentionPanel
from .header import RunHeader
from .loss_panel import LossPanel
from .param_panel import ParameterPanel
from .sampler_panel import SamplerPanel

__all__ = ["AttentionPanel", "LossPanel", "ParameterPanel", "RunHeader", "SamplerPanel"]
