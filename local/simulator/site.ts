import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SiteTruth } from './ground-truth.js';
import { ensureBucket } from './intake.js';
import type { TargetModel } from './model.js';
import { render, type TemplateValues } from './template.js';

type SiteModel = NonNullable<TargetModel['site']>;

/** The deploy: puts the built site object, then reads back the LastModified S3 gives it. */
export class SiteDeployer {
  private readonly buckets = new Set<string>();

  constructor(
    private readonly s3: S3Client,
    private readonly site: SiteModel,
  ) {}

  async deploy(values: TemplateValues): Promise<SiteTruth> {
    const bucket = render(this.site.bucket, values);
    const key = render(this.site.key, values);
    if (this.site.createBucket && !this.buckets.has(bucket)) {
      await ensureBucket(this.s3, bucket);
      this.buckets.add(bucket);
    }
    const putStartedAt = Date.now();
    await this.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: render(this.site.body, values),
        ContentType: this.site.contentType,
      }),
    );
    const putAt = Date.now();
    const head = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return {
      bucket,
      key,
      putStartedAt,
      putAt,
      lastModified: head.LastModified?.getTime() ?? Number.NaN,
      ...(head.ETag ? { etag: head.ETag } : {}),
    };
  }
}
