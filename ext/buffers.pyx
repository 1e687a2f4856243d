"""Data addresses of numpy arrays for the generated kernels (which take
pointers): the checks and the read in C, since kernels are called at every
step and numpy's ``__array_interface__`` costs microseconds a call."""
cimport numpy as cnp

cnp.import_array()


def address(cnp.ndarray array, int typenum):
    """The data address of ``array``, or None when it is not C-contiguous or
    not of numpy type number ``typenum`` (the caller says why)."""
    if cnp.PyArray_TYPE(array) != typenum or not cnp.PyArray_IS_C_CONTIGUOUS(array):
        return None
    return <size_t>cnp.PyArray_DATA(array)
