export const metadata = { title: 'nx-sst quick start' };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <nav>
          <a href="/">Uploads</a> · <a href="/notes">Notes</a>
        </nav>
        {children}
      </body>
    </html>
  );
}
