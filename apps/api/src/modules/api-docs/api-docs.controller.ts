import { Controller, Get, Header, Query, UseGuards } from '@nestjs/common';
import { buildAsyncApiDocument, buildOpenApiDocument, documentQuerySchema } from '@parley/protocol';
import { ZodValidationPipe } from '../../common/zod-validation.pipe.js';
import { RateLimitPerIp } from '../../rate-limit/rate-limit.guard.js';
import { API_DOCS_RATE_LIMITER } from '../../rate-limit/rate-limit.module.js';
import { Public } from '../auth/current-auth.decorator.js';
import { REFERENCE_PAGE_CSP, renderReferencePage } from './reference-page.js';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * The wire contract as documents tools read (OpenAPI 3.1, AsyncAPI 3.0) and one page people
 * read, all generated from the protocol's schemas once, at start-up.
 */
@Public()
@Controller()
@UseGuards(RateLimitPerIp(API_DOCS_RATE_LIMITER))
export class ApiDocsController {
  private readonly openApiJson: string;
  private readonly asyncApiJson: string;
  private readonly referencePage: string;

  constructor() {
    const openApi = buildOpenApiDocument();
    const asyncApi = buildAsyncApiDocument();
    this.openApiJson = JSON.stringify(openApi);
    this.asyncApiJson = JSON.stringify(asyncApi);
    this.referencePage = renderReferencePage(openApi, asyncApi);
  }

  @Get('openapi.json')
  @Header('Content-Type', JSON_CONTENT_TYPE)
  openApi(@Query(new ZodValidationPipe(documentQuerySchema)) _query: object): string {
    return this.openApiJson;
  }

  @Get('asyncapi.json')
  @Header('Content-Type', JSON_CONTENT_TYPE)
  asyncApi(@Query(new ZodValidationPipe(documentQuerySchema)) _query: object): string {
    return this.asyncApiJson;
  }

  /** A page without scripts; its own CSP allows its one inline style by hash, nothing else. */
  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', REFERENCE_PAGE_CSP)
  reference(@Query(new ZodValidationPipe(documentQuerySchema)) _query: object): string {
    return this.referencePage;
  }
}
