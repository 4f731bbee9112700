import { openSceneFile } from './actions';
import { ErrorPage } from './components/ErrorPage';
import { FramesStrip } from './components/FramesStrip';
import { GpuStatus } from './components/GpuStatus';
import { Notices } from './components/Notices';
import { OutputPanel } from './components/OutputPanel';
import { PhotoPanel } from './components/PhotoPanel';
import { RunPanel } from './components/RunPanel';
import { ViewerPanel } from './components/ViewerPanel';
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
          <PhotoPanel />
          <RunPanel />
          <OutputPanel />
          <GpuStatus />
        </section>
        {/* Notices sit above the view, where they are seen without scrolling the panel. */}
        <section className="main-column">
          <Notices />
          <ViewerPanel onOpenScene={(file) => void openSceneFile(file)} />
          <FramesStrip />
        </section>
      </main>
    </div>
  );
}
