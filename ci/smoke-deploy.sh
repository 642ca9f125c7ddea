#!/usr/bin/env bash
# Credentialed smoke deploy used by CircleCI (contexts ckb-pool-aws / ckb-pool-alicloud):
#   ci/smoke-deploy.sh aws|alicloud up       deploy a testnet pool and verify an SV2 handshake
#   ci/smoke-deploy.sh aws|alicloud down     destroy it (run with `when: always`)
#   ci/smoke-deploy.sh aws|alicloud project  print the project name a new deploy gets
# Credentials come from the context's environment (AWS_* or ALICLOUD_*); nothing is printed.
# Terraform state lives in SMOKE_STATE_BUCKET (an S3 bucket on aws, with S3-native locking; an
# OSS bucket on alicloud), so the state of a cancelled job survives it. The project name carries
# its creation time, smoke-<cloud>-<unix seconds>-<build>: ci/sweep.mjs destroys, by the stacks'
# tags, every such project older than two hours whatever happened to its job.
set -euo pipefail
cd "$(dirname "$0")/.."
cloud=${1:?cloud: aws or alicloud}
action=${2:?action: up, down or project}
case "$cloud" in
  aws) backend=s3 region=${AWS_REGION:-us-east-1} ;;
  alicloud) backend=oss region=${ALICLOUD_REGION:-cn-hangzhou} ;;
  *) echo "unknown cloud $cloud (aws or alicloud)" >&2; exit 2 ;;
esac
# At most 32 characters (the config's limit): the build number keeps its last 6 digits.
build=$(printf '%s' "${CIRCLE_BUILD_NUM:-0}" | tail -c 6)
project="smoke-$cloud-$(date -u +%s)-$build"
if [ "$action" = project ]; then echo "$project"; exit 0; fi

work=${SMOKE_DIR:-$HOME/ckb-pool-smoke-$cloud}
cfg="$work/ckb-pool.yaml"
if [ "$action" = down ] && [ ! -f "$cfg" ]; then
  echo "nothing was deployed from this job ($cfg is absent); ci/sweep.mjs handles older leftovers"
  exit 0
fi
bucket=${SMOKE_STATE_BUCKET:?set SMOKE_STATE_BUCKET to the $backend bucket that keeps the smoke deploys Terraform state}
mkdir -p "$work"
if [ ! -f "$work/id_ed25519" ]; then ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519"; fi
if [ ! -f "$cfg" ]; then
  npx ckb-pool-deploy init --yes --config "$cfg" --cloud "$cloud" --region "$region" --chain testnet \
    --project "$project" --state-backend "$backend" --state-bucket "$bucket" \
    --payout-address ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqwgx292hnvmn68xf779vmzrshpmm6epn4c0cgwga \
    --admin-cidr "$(curl -fsS https://checkip.amazonaws.com | tr -d '\n')/32" \
    --ssh-public-key "$work/id_ed25519.pub" --ssh-private-key "$work/id_ed25519"
fi
case "$action" in
  up) npx ckb-pool-deploy up --config "$cfg" --cloud "$cloud" ;;
  down) npx ckb-pool-deploy down --config "$cfg" --cloud "$cloud" --yes ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac
