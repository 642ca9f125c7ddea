#!/usr/bin/env bash
# Installs the tools the deployer drives, for CI images that lack them (CircleCI's cimg/node
# and machine images): Terraform from HashiCorp's apt repository, ansible-core, ansible-lint
# and yamllint with pipx. Versions are pinned to the range `ckb-pool-deploy doctor` accepts.
set -euo pipefail
SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
TERRAFORM_VERSION=${TERRAFORM_VERSION:-1.9.8}
ANSIBLE_CORE_VERSION=${ANSIBLE_CORE_VERSION:-2.17.7}

if ! command -v terraform >/dev/null; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq gnupg curl lsb-release pipx >/dev/null
  curl -fsSL https://apt.releases.hashicorp.com/gpg | $SUDO gpg --dearmor -o /usr/share/keyrings/hashicorp.gpg
  echo "deb [signed-by=/usr/share/keyrings/hashicorp.gpg] https://apt.releases.hashicorp.com $(lsb_release -cs) main" |
    $SUDO tee /etc/apt/sources.list.d/hashicorp.list >/dev/null
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "terraform=${TERRAFORM_VERSION}-*" >/dev/null
fi
if ! command -v ansible-playbook >/dev/null; then
  command -v pipx >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq pipx >/dev/null; }
  pipx install --include-deps "ansible-core==${ANSIBLE_CORE_VERSION}"
  pipx install ansible-lint
  pipx install yamllint
  export PATH="$HOME/.local/bin:$PATH"
  echo "export PATH=\"$HOME/.local/bin:\$PATH\"" >>"${BASH_ENV:-/dev/null}"
fi
terraform version | head -1
ansible --version | head -1
