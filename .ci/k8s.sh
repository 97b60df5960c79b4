#!/usr/bin/env bash
# Schema check of the Kubernetes manifests in deploy/. kubernetes-validate
# (PyPI) carries the Kubernetes API's JSON schemas, so it needs no cluster and
# no network beyond the install. --strict also rejects any field the schema
# does not define (a misspelt key is otherwise ignored by a loose check).
# This checks each manifest against the API types, not that a cluster would
# run it: the image, the volume claim and the order of the two Jobs are the
# user's.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
  kubernetes-validate==1.37.0
# The oldest and the newest Kubernetes the package has schemas for. Indexed
# Jobs (completionMode: Indexed, JOB_COMPLETION_INDEX) are stable since 1.24.
for version in 1.25.0 1.37.0; do
  python3 -m kubernetes_validate --strict --kubernetes-version "$version" deploy/k8s-*.yaml
done
