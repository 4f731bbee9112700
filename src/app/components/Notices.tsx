import { useStudio } from '../store';

export function Notices() {
  const notices = useStudio((s) => s.notices);
  if (notices.length === 0) return null;
  return (
    <ul className="notices notices-top" data-testid="notices">
      <li className="notices-actions">
        <button
          type="button"
          onClick={() => useStudio.setState({ notices: [] })}
          data-testid="dismiss-notices"
        >
          Dismiss
        </button>
      </li>
      {notices.map((n, i) => (
        // Notices are append-only, so the index is a stable key.
        // biome-ignore lint/suspicious/noArrayIndexKey: append-only list
        <li key={i} className={`notice ${n.kind}`}>
          <strong>{n.message}</strong>
          {n.hint ? <span className="hint"> {n.hint}</span> : null}
        </li>
      ))}
    </ul>
  );
}
