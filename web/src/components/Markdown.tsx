// Markdown of model output (react-markdown: no raw HTML is rendered, links open
// in a new tab without referrer) with highlighted code blocks and a copy button.
import * as React from 'react';
import ReactMarkdown from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import { Copy, Check } from 'lucide-react';

function CodeBlock({ children, ...props }: React.HTMLAttributes<HTMLPreElement>) {
  const ref = React.useRef<HTMLPreElement>(null);
  const [copied, setCopied] = React.useState(false);
  return (
    <div className="group relative">
      <pre ref={ref} className="overflow-x-auto rounded-md bg-muted p-3 text-[13px]" {...props}>
        {children}
      </pre>
      <button
        type="button"
        aria-label="Copy code"
        className="absolute right-2 top-2 rounded bg-background/80 p-1 opacity-0 shadow focus:opacity-100 group-hover:opacity-100"
        onClick={() => {
          void navigator.clipboard?.writeText(ref.current?.innerText ?? '');
          setCopied(true);
          setTimeout(() => setCopied(false), 1200);
        }}
      >
        {copied ? <Check className="h-3.5 w-3.5" aria-hidden /> : <Copy className="h-3.5 w-3.5" aria-hidden />}
      </button>
    </div>
  );
}

// `link` may render a link itself (Chat's citations, `#cite-N`); otherwise it opens in a new tab.
export function Markdown({ text, link }: { text: string; link?: (href: string | undefined, children: React.ReactNode) => React.ReactNode | null }) {
  return (
    <div className="prose-sm max-w-none space-y-2 break-words text-sm leading-relaxed [&_a]:text-primary [&_a]:underline [&_code]:font-mono [&_h1]:text-lg [&_h1]:font-semibold [&_h2]:font-semibold [&_li]:ml-5 [&_ol]:list-decimal [&_ul]:list-disc">
      <ReactMarkdown
        rehypePlugins={[[rehypeHighlight, { detect: false, ignoreMissing: true }]]}
        components={{
          pre: CodeBlock,
          a: ({ children, href }) =>
            link?.(href, children) ?? (
              <a href={href} target="_blank" rel="noreferrer noopener">
                {children}
              </a>
            ),
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}
