import { Chat } from '@/components/chat/chat';

export default function ChatPage() {
  return <Chat />;
}
