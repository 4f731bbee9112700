import { ErrorPage } from './components/ErrorPage';
import { GpuStatus } from './components/GpuStatus';
import { Notices } from './components/Notices';
import { useStudio } from './store';

export function App() {
  const gpu = useStudio((s) => s.gpu);
  if (gpu.status === 'failed') return <ErrorPage error={gpu.error} />;
  return (
    <div className="studio">
      <header className="topbar">
        <h1>Splat studio</h1>
        <span className="tagline">Photos in, Gaussian splats out — on your own GPU.</span>
      </header>
      <main className="workspace">
        <section className="panel">
          <GpuStatus />
          <Notices />
        </section>
      </main>
    </div>
  );
}
