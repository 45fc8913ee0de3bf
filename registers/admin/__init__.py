"""Admin pages for every registers model; importing the modules registers them."""

from . import marks, pupils, schools, staff

__all__ = ["marks", "pupils", "schools", "staff"]
