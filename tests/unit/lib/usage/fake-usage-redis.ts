import type { RequestLogEntry } from '@/lib/limits/budget';
import { redisKeys } from '@/lib/limits/keys';
import { periodsAt } from '@/lib/limits/periods';
import type { UsagePipeline, UsageRedis } from '@/lib/usage/queries';

type ZRangeOptions = { rev?: true; byScore?: true; withScores: true };

/**
 * The reads the usage queries make, over plain maps. Replies are strings, as Redis sends them.
 * Each command sent alone and each pipeline counts as one round trip, so tests can prove which
 * reads travel together.
 */
export class FakeUsageRedis implements UsageRedis {
  readonly hashes = new Map<string, Record<string, string>>();
  readonly lists = new Map<string, unknown[]>();
  readonly sortedSets = new Map<string, Map<string, number>>();
  roundTrips = 0;

  hget(key: string, field: string) {
    return this.send(() => this.hashes.get(key)?.[field] ?? null);
  }

  lrange(key: string, start: number, stop: number) {
    return this.send(() => this.readList(key, start, stop));
  }

  zrange(key: string, start: number | string, stop: number | string, options: ZRangeOptions) {
    return this.send(() => this.readSortedSet(key, start, stop, options));
  }

  pipeline(): UsagePipeline {
    const reads: (() => unknown)[] = [];
    const pipeline: UsagePipeline = {
      hgetall: (key) => queue(() => this.readHash(key)),
      hmget: (key, ...fields) => queue(() => this.readFields(key, fields)),
      lrange: (key, start, stop) => queue(() => this.readList(key, start, stop)),
      zrange: (key, min, max, options) => queue(() => this.readSortedSet(key, min, max, options)),
      exec: () => this.send(() => reads.map((read) => read())),
    };
    const queue = (read: () => unknown) => {
      reads.push(read);
      return pipeline;
    };
    return pipeline;
  }

  private readHash(key: string) {
    const hash = this.hashes.get(key);
    return hash && Object.keys(hash).length ? { ...hash } : null;
  }

  /** Like @upstash/redis: an object by field, or null when every field is missing. */
  private readFields(key: string, fields: string[]) {
    const hash = this.hashes.get(key) ?? {};
    if (fields.every((field) => hash[field] === undefined)) return null;
    return Object.fromEntries(fields.map((field) => [field, hash[field] ?? null]));
  }

  private readList(key: string, start: number, stop: number) {
    const list = this.lists.get(key) ?? [];
    return list.slice(start, stop < 0 ? list.length + stop + 1 : stop + 1);
  }

  private readSortedSet(
    key: string,
    start: number | string,
    stop: number | string,
    options: ZRangeOptions,
  ) {
    let members = [...(this.sortedSets.get(key) ?? new Map<string, number>())].sort(
      (a, b) => a[1] - b[1],
    );
    if (options.byScore) {
      const above = Number(String(start).slice(1));
      members = members.filter(([, score]) => score > above && String(stop) === '+inf');
    } else {
      if (options.rev) members.reverse();
      const last = Number(stop);
      members = members.slice(Number(start), last < 0 ? members.length + last + 1 : last + 1);
    }
    return members.flatMap(([member, score]) => [member, String(score)]);
  }

  /** What the settle script writes for one request. */
  settle(userId: string, entry: RequestLogEntry, plan = 'free'): void {
    const periods = periodsAt(entry.at);
    const model = `m:${entry.model}:`;
    const tokens = entry.inputTokens + entry.outputTokens;
    const served = entry.status !== 'error';
    for (const key of [
      redisKeys.usageDay(userId, periods.day),
      redisKeys.usageMonth(userId, periods.month),
    ]) {
      this.increment(key, 'requests', served ? 1 : 0);
      this.increment(key, 'input', entry.inputTokens);
      this.increment(key, 'output', entry.outputTokens);
      this.increment(key, 'tokens', tokens);
      this.increment(key, 'micro', entry.costMicroUsd);
      this.increment(key, 'cached', entry.cached ? 1 : 0);
      this.increment(key, 'saved', entry.cached ? (entry.savedMicroUsd ?? 0) : 0);
    }
    const day = redisKeys.usageDay(userId, periods.day);
    this.increment(day, `${model}requests`, served ? 1 : 0);
    this.increment(day, `${model}input`, entry.inputTokens);
    this.increment(day, `${model}output`, entry.outputTokens);
    this.increment(day, `${model}micro`, entry.costMicroUsd);
    for (const tag of entry.tags ?? []) {
      this.increment(day, `t:${tag}:requests`, served ? 1 : 0);
      this.increment(day, `t:${tag}:input`, entry.inputTokens);
      this.increment(day, `t:${tag}:output`, entry.outputTokens);
      this.increment(day, `t:${tag}:micro`, entry.costMicroUsd);
    }
    const log = this.lists.get(redisKeys.requestLog(userId)) ?? [];
    log.unshift(JSON.stringify(entry));
    this.lists.set(redisKeys.requestLog(userId), log.slice(0, 200));
    this.addToSortedSet(redisKeys.users(), userId, entry.at);
    this.hashes.set(redisKeys.userPlans(), {
      ...this.hashes.get(redisKeys.userPlans()),
      [userId]: plan,
    });
  }

  addToSortedSet(key: string, member: string, score: number): void {
    const set = this.sortedSets.get(key) ?? new Map<string, number>();
    set.set(member, score);
    this.sortedSets.set(key, set);
  }

  private increment(key: string, field: string, by: number): void {
    const hash = this.hashes.get(key) ?? {};
    hash[field] = String(Number(hash[field] ?? 0) + by);
    this.hashes.set(key, hash);
  }

  private async send<T>(read: () => T): Promise<T> {
    this.roundTrips++;
    return read();
  }
}

let sequence = 0;

/** A request-log entry with defaults; every call gets its own id. */
export function logEntry(fields: Partial<RequestLogEntry> & { at: number }): RequestLogEntry {
  sequence++;
  return {
    id: `req_${sequence}`,
    model: 'openai/gpt-5.4',
    provider: 'openai',
    inputTokens: 100,
    outputTokens: 50,
    costMicroUsd: 1_000,
    status: 'ok',
    latencyMs: 800,
    timeToFirstTokenMs: 200,
    ...fields,
  };
}
