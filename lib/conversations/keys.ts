/** The Redis keys of conversations; ownership is membership of the owner's index. */
export const conversationKeys = {
  /** ZSET per owner: member conversation id, score its `updatedAt` (epoch ms). */
  index: (ownerId: string) => `${indexPrefix}${ownerId}`,
  /** HASH per conversation: `meta` (JSON), `owner`, `tokens`, `micro`, `updatedAt`. */
  record: (id: string) => `tg:conversation:${id}`,
  /** LIST per conversation: its messages, oldest first, JSON. */
  messages: (id: string) => `tg:conversation:${id}:messages`,
} as const;

/** The append script finds the owner's index from the record's `owner` (it may have moved). */
export const indexPrefix = 'tg:conversations:';
