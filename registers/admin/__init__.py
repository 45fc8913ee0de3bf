"""Admin pages for every registers model; importing the modules registers them."""

from . import audit, marks, pupils, registers, schools, staff

__all__ = ["audit", "marks", "pupils", "registers", "schools", "staff"]
