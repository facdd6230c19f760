# Type stubs of the package immichbak: the extension module's names, re-exported, and the
# package's pure-Python helpers (__init__.py).

from typing import IO, Optional, Union

from ._immichbak import *
from ._immichbak import Error, ErrorCode, ProgressEvent
from ._immichbak import __version__ as __version__

__all__: list[str]

def error_class(code: Union[ErrorCode, int]) -> type[Error]: ...
def print_progress(event: ProgressEvent, file: Optional[IO[str]] = None) -> None: ...
