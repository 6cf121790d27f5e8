import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { SiteHeader } from '@/components/ui/site-header';
import './globals.css';

// Rendered per request: each page response carries its own CSP nonce (set in middleware).
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'Tollgate',
  description: 'An AI gateway with rate limits and hard budgets.',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  colorScheme: 'light dark',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <SiteHeader />
        {children}
      </body>
    </html>
  );
}
