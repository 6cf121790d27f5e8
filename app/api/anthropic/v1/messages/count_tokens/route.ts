import { countMessageTokens } from '@/lib/anthropic/count-tokens';
import { anthropicErrorBody } from '@/lib/anthropic/errors';
import { chatPreflight } from '@/lib/chat/serve-chat';
import { otherMethodsIn } from '@/lib/http/door';

export const runtime = 'edge';

export const OPTIONS = chatPreflight;

export const POST = countMessageTokens;

export const { GET, PUT, PATCH, DELETE } = otherMethodsIn(anthropicErrorBody);
