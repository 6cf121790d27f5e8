import { memo } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
import styles from './markdown.module.css';

interface MarkdownNode {
  type: string;
  value?: string;
  children?: MarkdownNode[];
}

/**
 * Raw HTML from a model is shown as the text it is, never rendered: `html` nodes become `text`.
 * (react-markdown would otherwise drop them silently, hiding what the model wrote.)
 */
function showHtmlAsText() {
  const visit = (node: MarkdownNode) => {
    if (node.type === 'html') node.type = 'text';
    node.children?.forEach(visit);
  };
  return visit;
}

const components: Components = {
  // Links open elsewhere; react-markdown's default URL transform already empties `javascript:`.
  a: ({ node: _node, ...props }) => (
    <a {...props} target="_blank" rel="noopener noreferrer nofollow" />
  ),
  // Images from a model could track the reader or load anything: shown as their alt text.
  img: ({ alt }) => <span>{alt ? `[image: ${alt}]` : '[image]'}</span>,
  table: ({ node: _node, ...props }) => (
    <div className={styles.tableScroll}>
      <table {...props} />
    </div>
  ),
};

/** A model answer as Markdown: GFM tables and lists, highlighted code, no raw HTML. */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className={styles.markdown}>
      <ReactMarkdown
        remarkPlugins={[remarkGfm, showHtmlAsText]}
        rehypePlugins={[rehypeHighlight]}
        components={components}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
