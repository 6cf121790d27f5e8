/** How large conversations may grow: storage per user stays bounded. */
export const conversationLimits = {
  /** Conversations one owner may keep; creating another is refused (a guest's move is not). */
  conversationsPerOwner: 500,
  /** Messages in one conversation (user and assistant turns); sending past it is refused. */
  messagesPerConversation: 200,
  /** Characters in one user message. */
  contentChars: 32_000,
  titleChars: 200,
  systemPromptChars: 16_000,
  /** OpenAI's metadata shape: this many keys, each key and value at most this long. */
  metadataKeys: 16,
  metadataKeyChars: 64,
  metadataValueChars: 512,
  /** Page size of the list: default and maximum. */
  defaultPageSize: 20,
  maxPageSize: 100,
} as const;
