import { expect, type Locator, type Page } from '@playwright/test';

/** The chat page as a person uses it. */
export class ChatPage {
  readonly message: Locator;
  readonly answers: Locator;
  readonly notice: Locator;
  /** The sidebar of conversations. */
  readonly conversations: Locator;

  constructor(readonly page: Page) {
    this.message = page.getByRole('textbox', { name: 'Message' });
    this.answers = page.locator('li[data-role="assistant"]');
    this.notice = page.getByTestId('chat-error');
    this.conversations = page.getByRole('navigation', { name: 'Conversations' });
  }

  /** The conversation of that title in the sidebar (the button that opens it). */
  conversation(title: string): Locator {
    return this.conversations.getByRole('button', { name: title, exact: true });
  }

  /** Signs the page in with an API key through the header's form; the page reloads as the user. */
  async signIn(key: string, userId: string) {
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.getByLabel('API key').fill(key);
    await this.page
      .getByRole('form', { name: 'Sign in' })
      .getByRole('button', { name: 'Sign in' })
      .click();
    await expect(this.page.getByTestId('current-user')).toContainText(userId);
    await expect(this.page.getByLabel('Model')).toBeEnabled();
  }

  async rename(title: string, newTitle: string) {
    await this.conversations.getByRole('button', { name: `Rename “${title}”` }).click();
    const field = this.conversations.getByRole('textbox', { name: 'Conversation title' });
    await field.fill(newTitle);
    await field.press('Enter');
    await expect(this.conversation(newTitle)).toBeVisible();
  }

  async delete(title: string) {
    await this.conversations.getByRole('button', { name: `Delete “${title}”` }).click();
    await this.conversations.getByRole('button', { name: 'Yes, delete' }).click();
    await expect(this.conversation(title)).toHaveCount(0);
  }

  async open() {
    await this.page.goto('/');
    await expect(this.page.getByLabel('Model')).toBeEnabled();
    // The conversations come from the server: the latest is open (or a new chat) once loaded.
    await expect(this.page.getByText('Loading your conversations…')).toHaveCount(0);
  }

  async chooseModel(modelId: string) {
    await this.page.getByLabel('Model').selectOption(modelId);
  }

  async send(text: string) {
    await this.message.fill(text);
    await this.message.press('Enter');
  }

  /** Sends and waits until the answer is complete, its usage line shown. */
  async ask(text: string): Promise<Locator> {
    const count = await this.answers.count();
    await this.send(text);
    const answer = this.answers.nth(count);
    await expect(answer.getByTestId('message-usage')).toBeVisible({ timeout: 20_000 });
    return answer;
  }

  lastAnswer(): Locator {
    return this.answers.last();
  }
}

export async function textLength(locator: Locator): Promise<number> {
  return ((await locator.textContent()) ?? '').length;
}
