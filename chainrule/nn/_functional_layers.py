"""Convolution, pooling, normalization, embedding and attention in functional form."""

from ._functional_extra import *  # noqa: F401,F403
from ._functional_extra import __all__ as _extra_all
from ._layers_attention import *  # noqa: F401,F403
from ._layers_attention import __all__ as _attention_all
from ._layers_conv import *  # noqa: F401,F403
from ._layers_conv import __all__ as _conv_all
from ._layers_norm import *  # noqa: F401,F403
from ._layers_norm import __all__ as _norm_all
from ._layers_pool import *  # noqa: F401,F403
from ._layers_pool import __all__ as _pool_all
from ._layers_pool3d import *  # noqa: F401,F403
from ._layers_pool3d import __all__ as _pool3d_all
from ._layers_resize import *  # noqa: F401,F403
from ._layers_resize import __all__ as _resize_all

__all__ = [*_conv_all, *_pool_all, *_pool3d_all, *_norm_all, *_attention_all, *_resize_all, *_extra_all]
