"""nnmath: the mathematics of neural networks in small, tested NumPy functions.

Every public name is re-exported here, so ``from nnmath import Dense, Adam``
works. Each module matches one page of the site.
"""

from . import activations as _activations
from . import gradcheck as _gradcheck
from . import layers as _layers
from . import losses as _losses
from . import matrix as _matrix
from . import neuron as _neuron
from . import optimizers as _optimizers
from . import training as _training
from .activations import *  # noqa: F403
from .gradcheck import *  # noqa: F403
from .layers import *  # noqa: F403
from .losses import *  # noqa: F403
from .matrix import *  # noqa: F403
from .neuron import *  # noqa: F403  (the function nnmath.neuron shadows the module)
from .optimizers import *  # noqa: F403
from .training import *  # noqa: F403

_MODULES = (
    _neuron,
    _activations,
    _matrix,
    _losses,
    _layers,
    _optimizers,
    _training,
    _gradcheck,
)

__all__ = [name for module in _MODULES for name in module.__all__]

__version__ = "0.1.0"
