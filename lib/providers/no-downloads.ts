import type { Experimental_DownloadFunction as DownloadFunction } from 'ai';
import { GatewayError } from '@/lib/errors';

/**
 * The gateway never fetches a URL a client sent. A URL the target takes itself goes on
 * unchanged (returning null tells the AI SDK to keep it); any other is the client's to inline.
 */
export const refuseDownloads: DownloadFunction = async (files) => {
  if (files.some((file) => !file.isUrlSupportedByModel)) {
    throw new GatewayError(
      'invalid_request',
      'This model cannot fetch image or file URLs: send the content as a data: URL instead.',
      { param: 'messages' },
    );
  }
  return files.map(() => null);
};
