import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startEngine } from './engine-session';
import { useStudio } from './store';

// Test and debugging handle: the store, read-only by convention (e2e reads state through it).
(window as unknown as { __studio: unknown }).__studio = { store: useStudio };

startEngine();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
