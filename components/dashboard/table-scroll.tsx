import type { ReactNode } from 'react';
import styles from './dashboard.module.css';

/**
 * A wide table scrolls sideways on a phone. The scroller takes focus so a keyboard can scroll it
 * too, and is a labelled group so a screen reader says what it holds.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable
    // biome-ignore lint/a11y/useSemanticElements: a group, not a form fieldset or a landmark
    <div className={styles.tableScroll} role="group" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
