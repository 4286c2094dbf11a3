// The parts of the AWS SDK for JavaScript v3 that s3:// uses, in one module so the bundler can put them in a
// file of their own (dist/awsSdk.js, about 460 KB minified). s3Registry.ts loads it on the first s3:// use, so a
// CLI run or a server start that never touches S3 does not parse it (docs/decisions.md has the figures).
export {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
export { Upload } from '@aws-sdk/lib-storage';
export { fromNodeProviderChain } from '@aws-sdk/credential-providers';
