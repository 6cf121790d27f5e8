import { describe, expect, it } from 'vitest';
import { signWebhook, webhookHeaders } from '@/lib/alerts/signature';

// The Standard Webhooks specification's published test vector (standard-webhooks/standard-webhooks).
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestampSeconds: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signature', () => {
  it('reproduces the reference test vector', async () => {
    expect(await signWebhook(vector.secret, vector)).toBe(vector.signature);
  });

  it('changes with the id, the timestamp and the body', async () => {
    const signatures = await Promise.all([
      signWebhook(vector.secret, { ...vector, id: 'msg_other' }),
      signWebhook(vector.secret, { ...vector, timestampSeconds: vector.timestampSeconds + 1 }),
      signWebhook(vector.secret, { ...vector, body: '{"test": 2432232315}' }),
    ]);
    for (const signature of signatures) expect(signature).not.toBe(vector.signature);
  });

  it('sends the id, the timestamp in seconds and the signature as headers', async () => {
    expect(await webhookHeaders(vector.secret, vector)).toEqual({
      'content-type': 'application/json',
      'webhook-id': vector.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': vector.signature,
    });
  });
});
