"""Type stubs of the histfactory package's top level."""

from typing import Any

from . import exceptions as exceptions
from . import simplemodels as simplemodels
from . import tensor as tensor
from . import utils as utils
from .pdf import Model as Model
from .workspace import Workspace as Workspace

__version__: str
default_backend: tensor.numpy_backend
tensorlib: tensor.numpy_backend

def set_backend(
    backend: str | bytes | tensor.numpy_backend,
    custom_optimizer: Any = None,
    precision: str | None = None,
    default: bool = False,
) -> None: ...
def get_backend() -> tuple[tensor.numpy_backend, str]: ...
