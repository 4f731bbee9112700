import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { installActions, studioApi } from './actions';
import { startEngine } from './engine-session';

// Test and debugging handle: the store, read-only by convention (e2e reads state through it).
(window as unknown as { __studio: unknown }).__studio = studioApi;

installActions();
startEngine();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
