// Next requires a root layout; the app has no pages, only the relay route.
export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
