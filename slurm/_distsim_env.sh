# Sourced by the job scripts in slurm/: finds the clone (under sbatch the
# script runs from a spool copy: the clone is the submit directory), sets up
# the environment once (cached outside the clone) and activates it.
root="${DISTSIM_ROOT:-}"
[ -n "$root" ] && [ -f "$root/scripts/_common.sh" ] || root="${SLURM_SUBMIT_DIR:-$PWD}"
if [ ! -f "$root/scripts/_common.sh" ]; then
    echo "distsim: submit from the distsim clone or set DISTSIM_ROOT" >&2
    exit 2
fi
source "$root/scripts/_common.sh"
# The set-up runs once per environment; a job only checks that it is complete
# and that the compiled kernels are newer than their sources.
built="$(ls "$root"/distsim/_ext/synapse_store*.so 2>/dev/null | head -n 1)"
if [ -f "$DISTSIM_VENV/.complete" ] && [ -n "$built" ] && \
        [ -z "$(find "$root/ext" -newer "$built" -name '*.pyx' 2>/dev/null)" ]; then
    source "$DISTSIM_VENV/bin/activate"
else
    source "$(bash "$root/scripts/setup" | tail -n 1)"
fi
