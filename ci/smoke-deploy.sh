#!/usr/bin/env bash
# Credentialed smoke deploy used by CircleCI (contexts ckb-pool-aws / ckb-pool-alicloud):
#   ci/smoke-deploy.sh aws|alicloud up    deploy a testnet pool and verify an SV2 handshake
#   ci/smoke-deploy.sh aws|alicloud down  destroy it (run with `when: always`)
# Credentials come from the context's environment (AWS_* or ALICLOUD_*); nothing is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
cloud=${1:?cloud: aws or alicloud}
action=${2:?action: up or down}
work=${SMOKE_DIR:-$HOME/ckb-pool-smoke-$cloud}
mkdir -p "$work"
cfg="$work/ckb-pool.yaml"
region=$([ "$cloud" = aws ] && echo "${AWS_REGION:-us-east-1}" || echo "${ALICLOUD_REGION:-cn-hangzhou}")
if [ ! -f "$work/id_ed25519" ]; then ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519"; fi
if [ ! -f "$cfg" ]; then
  npx ckb-pool-deploy init --yes --config "$cfg" --cloud "$cloud" --region "$region" --chain testnet \
    --project "smoke-$cloud-${CIRCLE_BUILD_NUM:-local}" \
    --payout-address ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqwgx292hnvmn68xf779vmzrshpmm6epn4c0cgwga \
    --admin-cidr "$(curl -fsS https://checkip.amazonaws.com | tr -d '\n')/32" \
    --ssh-public-key "$work/id_ed25519.pub" --ssh-private-key "$work/id_ed25519"
fi
case "$action" in
  up) npx ckb-pool-deploy up --config "$cfg" --cloud "$cloud" ;;
  down) npx ckb-pool-deploy down --config "$cfg" --cloud "$cloud" --yes ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac
