import {
  createProjectGraphAsync,
  readCachedProjectGraph,
  type PreTasksExecutionContext,
  type ProjectGraph,
  type ProjectGraphProjectNode,
} from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIND_SWITCH_VAR, BOUND_TASKS_VAR, type BoundTasks } from '../preload/bind-task';
import { normalizeOptions, type NxSstPluginOptions } from './create-nodes';

/** The preload every Node process of the run's tasks loads; it binds only bound tasks. */
export const PRELOAD_PATH = join(__dirname, '..', '..', 'preload.mjs');

/**
 * Before Nx runs tasks: lists the bound projects' bound targets for the preload, and adds the preload
 * to `NODE_OPTIONS`, so every process of those tasks starts with the bindings — whichever plugin,
 * script or executor defines the target. Nx hands the variables to every task process.
 */
export async function preTasksExecution(
  rawOptions: NxSstPluginOptions | undefined,
  context: PreTasksExecutionContext,
): Promise<void> {
  const env = process.env;
  if (/^(0|false|off|no)$/i.test(env[BIND_SWITCH_VAR] ?? '')) return;
  const graph = await readGraph();
  if (!graph) return;
  const options = normalizeOptions(rawOptions);
  const tasks = boundTasks(graph, context.workspaceRoot, options.boundTargetNames);
  // A missing preload in NODE_OPTIONS would stop every Node process of the run, bound or not.
  if (!Object.keys(tasks.projects).length || !existsSync(PRELOAD_PATH)) return;
  env[BOUND_TASKS_VAR] = JSON.stringify(tasks);
  env.NODE_OPTIONS = withPreload(env.NODE_OPTIONS, PRELOAD_PATH);
}

/** `NODE_OPTIONS` with our `--import` once, whatever was there before (kept). */
export function withPreload(nodeOptions: string | undefined, preloadPath: string): string {
  const flag = `--import="${pathToFileURL(preloadPath).href}"`;
  const rest = (nodeOptions ?? '')
    .split(/\s+(?=--)/)
    .filter((part) => part && !/^--import=?"?file:.*\/nx-sst\/preload\.mjs"?$/.test(part.trim()));
  return [...rest, flag].join(' ').trim();
}

/**
 * The bound projects (they carry `metadata.sst.bindings`) and, of their targets named in
 * `boundTargetNames`, those that do not bind themselves already (`nx-sst bind` in the command or
 * script, or the `nx-sst:bind` executor: those keep restarting on changes, which a preload cannot).
 */
export function boundTasks(graph: ProjectGraph, workspaceRoot: string, targetNames: string[]): BoundTasks {
  const projects: BoundTasks['projects'] = {};
  for (const [name, node] of Object.entries(graph.nodes).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const bindings = (node.data.metadata as { sst?: { bindings?: unknown[] } } | undefined)?.sst?.bindings;
    if (!bindings?.length) continue;
    const targets = Object.keys(node.data.targets ?? {})
      .filter((t) => targetNames.some((pattern) => matchesTargetName(pattern, t)))
      .filter((t) => !bindsItself(node, t, workspaceRoot))
      .sort();
    const continuous = targets.filter((t) => node.data.targets![t].continuous);
    if (targets.length)
      projects[name] = { root: node.data.root, targets, ...(continuous.length ? { continuous } : {}) };
  }
  return { workspaceRoot, projects };
}

/** A target name, or a pattern with `*` (`test-ci--*`: the per-file tasks Nx's atomizer infers). */
export function matchesTargetName(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${source.join('.*')}$`).test(name);
}

function bindsItself(node: ProjectGraphProjectNode, targetName: string, workspaceRoot: string): boolean {
  const target = node.data.targets![targetName];
  if (target.executor === 'nx-sst:bind') return true;
  const options = (target.options ?? {}) as { command?: string; commands?: unknown[]; script?: string };
  const commands = [options.command, ...(options.commands ?? [])].map((c) =>
    typeof c === 'string' ? c : (c as { command?: string } | undefined)?.command,
  );
  if (target.executor === 'nx:run-script' && options.script) {
    const pkg = join(workspaceRoot, node.data.root, 'package.json');
    if (existsSync(pkg)) {
      try {
        commands.push((JSON.parse(readFileSync(pkg, 'utf-8')).scripts ?? {})[options.script]);
      } catch {
        // An unreadable package.json: Nx itself would have failed on it.
      }
    }
  }
  return commands.some((c) => typeof c === 'string' && /(^|[\s;&|(])nx-sst\s+bind(\s|$)/.test(c));
}

/**
 * The graph Nx computed for this run: its cache file, written before tasks run. With the cache off
 * (`NX_CACHE_PROJECT_GRAPH=false`) that file is missing or stale, so the graph is computed again.
 */
async function readGraph(): Promise<ProjectGraph | undefined> {
  try {
    if (process.env.NX_CACHE_PROJECT_GRAPH === 'false')
      return await createProjectGraphAsync({ exitOnError: false });
    return readCachedProjectGraph();
  } catch {
    return undefined;
  }
}
