import { countMessageTokens } from '@/lib/anthropic/count-tokens';
import { chatPreflight } from '@/lib/chat/serve-chat';

export const runtime = 'edge';

export const OPTIONS = chatPreflight;

export const POST = countMessageTokens;
