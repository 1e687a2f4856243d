"""The matrix exponential of many small matrices at once (the exact
update's propagators e^{A dt}, one per neuron where coefficients differ):
balanced by powers of two, then scaling and squaring of a Taylor series."""
import numpy as np


def _balancing_scales(magnitudes):
    """Powers of two d with |A_kl| d_l / d_k of comparable size.

    Model matrices in SI units are badly scaled (1/C_m ~ 4e9 beside 1/tau ~
    100): without balancing, scaling and squaring would square ~20 times and
    lose 8 digits. Balancing is exact (powers of two) and also handles the
    triangular couplings (a zero row or column) that plain Parlett-Reinsch
    balancing leaves alone.
    """
    a = np.array(magnitudes, dtype=np.float64)
    n = a.shape[0]
    diagonal = np.abs(np.diag(a))
    typical = diagonal.max() if diagonal.max() > 0 else 1.0
    np.fill_diagonal(a, 0.0)
    log_d = np.zeros(n)
    for _ in range(20):
        changed = False
        for k in range(n):
            row, col = a[k].sum(), a[:, k].sum()
            if row == 0 and col == 0:
                continue
            if col == 0:  # nothing depends on x_k: shrink its row freely
                factor = np.exp2(np.ceil(np.log2(row / typical))) if row > typical else 1.0
            elif row == 0:  # x_k depends on nothing: shrink its column freely
                factor = np.exp2(-np.ceil(np.log2(col / typical))) if col > typical else 1.0
            else:
                factor = np.exp2(np.round(0.5 * np.log2(row / col)))
            # B = D^-1 A D: row k is divided by d_k, column k multiplied.
            if factor != 1.0 and (col == 0 or row == 0 or
                                  (row / factor + col * factor) < 0.95 * (row + col)):
                a[k] /= factor
                a[:, k] *= factor
                log_d[k] += np.log2(factor)
                changed = True
        if not changed:
            break
    return np.exp2(log_d)


def expm(matrices):
    """Matrix exponential of one matrix or a stack (..., m, m).

    Balancing, then scaling and squaring with a Taylor series long enough
    for double precision once the norm is below 1/2.
    """
    a = np.asarray(matrices, dtype=np.float64)
    magnitudes = np.abs(a).reshape(-1, a.shape[-2], a.shape[-1]).max(axis=0) if a.size else \
        np.zeros(a.shape[-2:])
    d = _balancing_scales(magnitudes)
    # B = diag(1/d) A diag(d); exp(A) = diag(d) exp(B) diag(1/d)
    a = a * (d[None, :] / d[:, None])
    norm = np.max(np.sum(np.abs(a), axis=-1)) if a.size else 0.0
    squarings = max(0, int(np.ceil(np.log2(norm))) + 1) if norm > 0.5 else 0
    a = a / (2.0 ** squarings)
    eye = np.broadcast_to(np.eye(a.shape[-1]), a.shape)
    result = eye.copy()
    term = eye.copy()
    for k in range(1, 20):
        term = term @ a / k
        result = result + term
    for _ in range(squarings):
        result = result @ result
    return result * (d[:, None] / d[None, :])
