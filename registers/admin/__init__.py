"""Admin pages for every registers model; importing the modules registers them."""

from . import marks, pupils, registers, schools, staff

__all__ = ["marks", "pupils", "registers", "schools", "staff"]
