"""tdw from Python: read a results tree in a notebook (tdw.results), and
write analyzers in numpy (tdw.plugin). See docs/python.md."""

from .artifacts import ArtifactError, Artifacts, Stacked
from .forward import ForwardError
from .probes import ProbeError
from .results import Family, NotFound, Results, Variant, load_family, open_results
from .safetensors import FormatError, load_safetensors

__version__ = "0.1.0"

__all__ = ["open_results", "load_family", "Results", "Family", "Variant", "Artifacts", "Stacked",
           "load_safetensors", "NotFound", "ArtifactError", "ForwardError", "FormatError", "ProbeError"]
