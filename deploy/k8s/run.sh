#!/bin/sh
# Runs the partitioned year: map, then reduce, then merge, each after the one before has
# completed. Usage: deploy/k8s/run.sh [namespace]. Keep completions equal to --slices (map)
# and --workers (reduce) in the Jobs; see deploy/k8s/README.md.
set -eu
ns="${1:-default}"
here="$(cd "$(dirname "$0")" && pwd)"
kubectl -n "$ns" apply -f "$here/pipeline-configmap.yaml"
for step in map reduce merge; do
    kubectl -n "$ns" delete job "sifund-$step" --ignore-not-found --wait=true
    kubectl -n "$ns" apply -f "$here/$step-job.yaml"
    until kubectl -n "$ns" wait "job/sifund-$step" --for=condition=Complete --timeout=60s >/dev/null 2>&1; do
        if kubectl -n "$ns" wait "job/sifund-$step" --for=condition=Failed --timeout=1s >/dev/null 2>&1; then
            echo "sifund-$step failed: kubectl -n $ns logs -l app.kubernetes.io/component=$step --tail=20" >&2
            exit 1
        fi
    done
    echo "sifund-$step complete"
done
