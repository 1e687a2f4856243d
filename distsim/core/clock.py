"""The simulation clock: integer time steps of a fixed dt."""
from ..units import DimensionMismatchError, Quantity, get_dimensions, second


#: Brian2's default time step.
DEFAULT_DT = 0.1e-3 * second


class Clock:
    """A clock counting steps of ``dt`` (Brian2's ``Clock``).

    Time is kept as an integer step count, so ``t`` never drifts.
    """

    def __init__(self, dt=DEFAULT_DT, name="defaultclock"):
        self.name = name
        self.timestep = 0
        self.dt = dt

    @property
    def dt(self):
        return Quantity(self.dt_, second.dim)

    @dt.setter
    def dt(self, value):
        if get_dimensions(value) is not second.dim:
            raise DimensionMismatchError("dt must be a time", second.dim, get_dimensions(value))
        value = float(value / second)
        if not value > 0:
            raise ValueError(f"dt must be positive, got {value} s")
        self.dt_ = value

    @property
    def t(self):
        return Quantity(self.timestep * self.dt_, second.dim)

    @property
    def t_(self):
        return self.timestep * self.dt_

    def steps_for(self, duration):
        """Number of steps in ``duration``, rounded as Brian2 does."""
        return int(round(float(duration / second) / self.dt_))


defaultclock = Clock()
