import { expect, type Locator, type Page } from '@playwright/test';

/** The chat page as a person uses it. */
export class ChatPage {
  readonly message: Locator;
  readonly answers: Locator;
  readonly notice: Locator;

  constructor(readonly page: Page) {
    this.message = page.getByRole('textbox', { name: 'Message' });
    this.answers = page.locator('li[data-role="assistant"]');
    this.notice = page.getByTestId('chat-error');
  }

  async open() {
    await this.page.goto('/');
    await expect(this.page.getByLabel('Model')).toBeEnabled();
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
