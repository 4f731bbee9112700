// The part of libheif-js's Emscripten/embind API that heic.ts uses (the package ships types only for the
// raw exports, not for this ES-module bundle with the wasm inlined).
declare module 'libheif-js/libheif-wasm/libheif-bundle.mjs' {
  /** embind enum value. */
  export interface HeifEnum {
    value: number;
  }
  export interface HeifError {
    code: HeifEnum;
    subcode: HeifEnum;
    message: string;
  }
  /** Opaque embind handles (each has delete(), not used: the heif_*_release/free calls own them). */
  export interface HeifContext {
    readonly __brand: 'heif_context';
  }
  export interface HeifImageHandle {
    readonly __brand: 'heif_image_handle';
  }
  export interface HeifImage {
    readonly __brand: 'heif_image';
  }
  export interface HeifChannel {
    id: HeifEnum;
    width: number;
    height: number;
    stride: number;
    /** A view of wasm memory: copy before the image is released. */
    data: Uint8Array;
  }
  export interface HeifDecoded {
    image: HeifImage;
    width: number;
    height: number;
    channels: HeifChannel[];
  }
  export interface LibHeif {
    heif_get_version(): string;
    heif_context_alloc(): HeifContext | null;
    heif_context_free(ctx: HeifContext): void;
    heif_context_read_from_memory(ctx: HeifContext, data: Uint8Array): HeifError;
    heif_js_context_get_primary_image_handle(ctx: HeifContext): HeifImageHandle | HeifError;
    heif_image_handle_get_width(handle: HeifImageHandle): number;
    heif_image_handle_get_height(handle: HeifImageHandle): number;
    heif_image_handle_release(handle: HeifImageHandle): void;
    heif_js_decode_image2(
      handle: HeifImageHandle,
      colorspace: HeifEnum,
      chroma: HeifEnum,
    ): HeifDecoded | HeifError | Promise<HeifDecoded | HeifError>;
    heif_image_release(image: HeifImage): void;
    heif_colorspace: { heif_colorspace_RGB: HeifEnum };
    heif_chroma: { heif_chroma_interleaved_RGBA: HeifEnum };
    heif_channel: { heif_channel_interleaved: HeifEnum };
  }
  export interface LibHeifOptions {
    onRuntimeInitialized?: () => void;
    onAbort?: (what: unknown) => void;
    print?: (text: string) => void;
    printErr?: (text: string) => void;
  }
  /** Instantiates the module (the wasm is inlined); ready once onRuntimeInitialized has run. */
  export default function libheif(options?: LibHeifOptions): LibHeif;
}
