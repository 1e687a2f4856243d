"""The model language: expressions, statements, equations and integration.

Knows nothing of MPI: it turns strings into checked, compiled functions of
numpy arrays that the groups apply to their rank's share of the state.
"""
from .expressions import Expression, Statements, ExpressionError
from .equations import Equations, EquationError, SingleEquation

__all__ = ["Expression", "Statements", "ExpressionError", "Equations", "EquationError",
           "SingleEquation"]
