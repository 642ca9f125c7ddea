/**
 * The one door to CDK for Terraform. CDKTF was deprecated upstream on 2025-12-10; its community
 * fork CDK Terrain publishes the same API as `cdktn`. Every other file imports from here, so
 * switching is a change to this file (and `@cdktf/provider-aws` → `@cdktn/provider-aws` in the
 * AWS stack). `cdk-boundary.test.ts` keeps it that way.
 */

export type { TerraformMetaArguments, TerraformResourceConfig } from 'cdktf';
export {
  App,
  booleanToHclTerraform,
  Fn,
  hashMapperHcl,
  LocalBackend,
  listMapperHcl,
  numberToHclTerraform,
  OssBackend,
  S3Backend,
  stringToHclTerraform,
  TerraformDataSource,
  TerraformLocal,
  TerraformOutput,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  Testing,
  Token,
} from 'cdktf';
export { Construct } from 'constructs';
