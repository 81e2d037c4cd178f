// OpenAI's image generation over Puter's puter-image-generation driver: the request mapped to Puter's arguments
// (size to ratio, quality levels), Puter's result (a data URL or a web address) to OpenAI's b64_json or url, and the
// price of an image from the catalogue.
import { request as httpRequest } from 'undici'
import type { Model } from '../../schemas/models.ts'
import { errors, withDetails } from '../../errors.ts'
import { DEFAULT_IMAGE_MODEL } from './catalog.ts'

export interface ImageRequest {
  prompt: string
  model?: string
  n?: number
  size?: string
  quality?: string
  response_format?: 'b64_json' | 'url'
  output_format?: string
  user?: string
}

/** OpenAI's quality names as Puter's levels: auto and standard are medium, hd is high (Puter turns an unknown one into low). */
const QUALITY: Record<string, string> = { auto: 'medium', standard: 'medium', hd: 'high', low: 'low', medium: 'medium', high: 'high' }

const invalid = (param: string, message: string) => withDetails(new errors.InvalidRequest(message), { param })

/** What one call to Puter asks for, and what an image of it costs. */
export interface ImagePlan {
  args: Record<string, unknown>
  /** The size and quality asked for, as the answer reports them. */
  size: string | undefined
  quality: string | undefined
  /** Estimated cost of one image, in micro-dollars (0 when the catalogue has no price for it). */
  costMicroUsd: number
}

/**
 * Puter's arguments for one image. A size the model cannot make is refused naming the sizes it can (Puter would
 * silently make 1024x1024), as is a quality level it does not have (Puter would silently use low). A model the
 * catalogue does not know is passed as named, for Puter to judge.
 */
export function imagePlan (body: ImageRequest, model: Model | undefined): ImagePlan {
  const args: Record<string, unknown> = { prompt: body.prompt, model: model?.id ?? body.model ?? DEFAULT_IMAGE_MODEL }
  let size: string | undefined
  if (body.size !== undefined && body.size !== 'auto') {
    const m = /^(\d{2,5})x(\d{2,5})$/.exec(body.size)
    if (!m) throw invalid('size', `size must be WxH, e.g. 1024x1024 (or auto); got '${body.size}'.`)
    if (model?.sizes && !model.sizes.includes(body.size)) {
      throw invalid('size', `The model ${model.id} cannot make ${body.size} images; its sizes are ${model.sizes.join(', ')}.`)
    }
    size = body.size
    args.ratio = { w: Number(m[1]), h: Number(m[2]) }
  }
  let quality: string | undefined
  if (body.quality !== undefined) {
    quality = QUALITY[body.quality]
    if (model?.qualities && !model.qualities.includes(quality)) {
      throw invalid('quality', `The model ${model.id} has no '${body.quality}' quality; its levels are ${model.qualities.join(', ')} (auto and standard mean medium, hd means high).`)
    }
    if (model?.qualities || model === undefined) args.quality = quality
  } else if (model?.qualities?.includes('medium')) {
    // OpenAI's default is auto; Puter's would be low.
    quality = 'medium'
    args.quality = quality
  }
  if (body.output_format !== undefined) args.output_format = body.output_format
  return { args, size, quality, costMicroUsd: imageCost(model, quality, size) }
}

/** The catalogue's price of one image, in micro-dollars: by quality and size, else size, else the model's first price. */
function imageCost (model: Model | undefined, quality: string | undefined, size: string | undefined): number {
  const prices = model?.pricing?.image
  if (!prices) return 0
  const s = size ?? model?.sizes?.[0] ?? '1024x1024'
  const usd = prices[`${quality ?? 'medium'}:${s}`] ?? prices[s] ?? prices[`low:${s}`] ?? Object.values(prices)[0]
  return usd === undefined ? 0 : Math.round(Number(usd) * 1_000_000)
}

/** One image of the answer. */
export type ImageDatum = { b64_json: string } | { url: string }

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?(;[^,]*)?,/

/** The format of an image from its MIME type (png, jpeg, webp), for the answer's output_format. */
export function formatOf (mime: string | undefined): string | undefined {
  const m = /^image\/([\w.+-]+)/.exec(mime ?? '')
  return m ? (m[1] === 'jpg' ? 'jpeg' : m[1]) : undefined
}

export interface FetchLimits {
  timeoutMs: number
  maxBytes: number
}

/**
 * Puter's result as OpenAI's datum. A data URL is b64_json as it is (or, asked for a url, returned as one: this
 * server keeps no images to link to). A web address is passed as the url, or fetched for b64_json.
 */
export async function toImageDatum (result: unknown, format: 'b64_json' | 'url', limits: FetchLimits): Promise<{ datum: ImageDatum, mime?: string }> {
  if (typeof result !== 'string' || result === '') throw new errors.UpstreamFailed('Puter answered the image request without an image.')
  const data = DATA_URL.exec(result)
  if (data) {
    const mime = data[1]
    if (format === 'url') return { datum: { url: result }, mime }
    const payload = result.slice(data[0].length)
    const b64 = data[2]?.includes(';base64') ? payload : percentDecoded(payload).toString('base64')
    return { datum: { b64_json: b64 }, mime }
  }
  let url: URL
  try {
    url = new URL(result)
  } catch {
    throw new errors.UpstreamFailed('Puter answered the image request with something that is neither an image nor its address.')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new errors.UpstreamFailed('Puter answered the image request with an address this server will not fetch.')
  if (format === 'url') return { datum: { url: result } }
  const { bytes, mime } = await fetchImage(url, limits)
  return { datum: { b64_json: bytes.toString('base64') }, mime }
}

/** The bytes of a data URL's percent-encoded payload (each %XX one byte; other characters as UTF-8). */
function percentDecoded (payload: string): Buffer {
  const parts: Buffer[] = []
  let text = ''
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] === '%') {
      const hex = payload.slice(i + 1, i + 3)
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new errors.UpstreamFailed('Puter answered the image request with a malformed data URL.')
      if (text !== '') parts.push(Buffer.from(text, 'utf8'))
      text = ''
      parts.push(Buffer.from([parseInt(hex, 16)]))
      i += 2
    } else {
      text += payload[i]
    }
  }
  if (text !== '') parts.push(Buffer.from(text, 'utf8'))
  return Buffer.concat(parts)
}

/** Downloads an image Puter made, within a time and size limit. */
async function fetchImage (url: URL, limits: FetchLimits): Promise<{ bytes: Buffer, mime?: string }> {
  let res
  try {
    // undici follows no redirect unless told to.
    res = await httpRequest(url, { method: 'GET', headersTimeout: limits.timeoutMs, bodyTimeout: limits.timeoutMs })
  } catch {
    throw new errors.UpstreamFailed('The image Puter made could not be downloaded.')
  }
  if (res.statusCode !== 200) {
    // Read and dropped (destroying it unread would raise an abort error nobody listens for).
    await res.body.dump().catch(() => {})
    throw new errors.UpstreamFailed(`The image Puter made could not be downloaded (HTTP ${res.statusCode}).`)
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of res.body) {
      size += chunk.length
      if (size > limits.maxBytes) {
        res.body.destroy()
        throw new errors.UpstreamFailed(`The image Puter made is larger than ${Math.round(limits.maxBytes / 1048576)} MB.`)
      }
      chunks.push(chunk)
    }
  } catch (err) {
    if (err instanceof errors.UpstreamFailed) throw err
    throw new errors.UpstreamFailed('The download of the image Puter made broke off.')
  }
  const type = res.headers['content-type']
  return { bytes: Buffer.concat(chunks), mime: typeof type === 'string' ? type.split(';')[0].trim() : undefined }
}
