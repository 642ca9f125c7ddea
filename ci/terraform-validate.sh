#!/usr/bin/env bash
# Synthesizes the AWS and Alibaba Cloud stacks for an example config and runs
# `terraform init -backend=false && terraform validate` on each. Needs terraform and access
# to the Terraform registry (providers); without them it says why and exits 0 only when
# CKB_POOL_ALLOW_SKIP=1 is set, so a CI that should validate cannot pass silently.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v terraform >/dev/null; then
  echo "terraform is not installed: cannot validate the synthesized stacks"
  [ "${CKB_POOL_ALLOW_SKIP:-0}" = 1 ] && exit 0 || exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A clean executor has no ~/.ssh key; the stacks only need a public key to put in cloud-init.
ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519"
for cloud in aws alicloud; do
  cfg="$work/$cloud.yaml"
  npx ckb-pool-deploy init --yes --config "$cfg" --cloud "$cloud" --region "$([ $cloud = aws ] && echo us-east-1 || echo cn-hangzhou)" \
    --chain testnet --payout-address ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqwgx292hnvmn68xf779vmzrshpmm6epn4c0cgwga \
    --admin-cidr 203.0.113.0/24 --ssh-public-key "$work/id_ed25519.pub" --ssh-private-key "$work/id_ed25519"
  npx ckb-pool-deploy synth --cloud "$cloud" --config "$cfg" --out "$work/$cloud"
  dir=$(dirname "$(find "$work/$cloud" -name 'cdk.tf.json' | head -1)")
  (cd "$dir" && terraform init -backend=false -input=false >/dev/null && terraform validate)
done
