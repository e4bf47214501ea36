/* marlsim.h: the C interface of libmarlsim, marl-sim's world host and trained policies as a library.
 *
 * Everything here runs the same code as the `marl-sim` command: the same sandbox, limits, seeding
 * and errors. See docs/python.md for the Python package built on it.
 *
 * Conventions
 *  - Functions that return int return 0 on success and -1 on failure; functions that return a
 *    pointer return NULL on failure. After a failure, marlsim_last_error() describes it.
 *    No error crosses this boundary as a crash: world errors, bad arguments and wrong sizes all
 *    come back as -1 / NULL.
 *  - Strings returned by a handle (spec, snapshot, render, info keys) belong to that handle and
 *    stay valid until the next call that returns a string of the same kind, or until it is closed.
 *  - Array pointers returned by a handle (observations, state, ...) stay valid for the handle's
 *    life; their contents change with every reset and step.
 *  - Discrete actions are 0-based ids. Continuous actions are values in each dimension's
 *    [low, high] (clipped into it).
 *  - A handle is used by one thread at a time; distinct handles may be used on distinct threads.
 *  - One limitation: a world call stuck inside a single C library function (a string pattern that
 *    backtracks without end) cannot be interrupted; after its time budget and a grace period the
 *    process prints the error and exits with status 1, as the command does.
 */
#ifndef MARLSIM_H
#define MARLSIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface; it changes whenever a declaration below changes. */
#define MARLSIM_ABI_VERSION 1
int marlsim_abi_version(void);

/* The calling thread's last failure as JSON: {"message", "text", "file", "line", "rule",
 * "traceback"} ("file", "line", "rule" and "traceback" when known), or NULL if none. "text" is
 * the whole message as the command prints it. */
const char *marlsim_last_error(void);

/* ---- one world instance ------------------------------------------------------------------- */

typedef struct marlsim_world marlsim_world;

/* Loads a world file. `options` holds `option_count` strings "key=value" (as `--env` takes them);
 * `seed` and `instance` seed math.random as training's instance `instance` of seed `seed`;
 * `memory_mib` caps the instance's Lua memory and `time_budget_ms` each call into it
 * (0: the command's defaults, 256 MiB and 5000 ms). */
marlsim_world *marlsim_world_open(const char *file, const char *const *options, int option_count,
                                  uint64_t seed, int instance, int memory_mib, int time_budget_ms);
void marlsim_world_close(marlsim_world *world);

/* The world's description as JSON: name, description, agents, observation_sizes, state_size,
 * has_state, action_spaces ([{"kind": "discrete", "n"} or {"kind": "continuous", "low", "high"}]),
 * episode_limit, has_available, has_render, has_snapshot, view, options and the total sizes of
 * the arrays below. */
const char *marlsim_world_spec(marlsim_world *world);

/* Seeds math.random as a new instance opened with `seed` and `instance` would be. */
int marlsim_world_reseed(marlsim_world *world, uint64_t seed, int instance);

/* Starts an episode; the arrays below then hold its first values. */
int marlsim_world_reset(marlsim_world *world);

/* One step: `discrete` holds one id per agent (continuous agents' entries are ignored),
 * `continuous` the continuous agents' values side by side (may be NULL when there are none).
 * Writes outcome[0] = the team reward, outcome[1] = 1 if the episode terminated, outcome[2] = 1
 * if it was truncated (episode limit), outcome[3] = the number of info fields reported so far
 * (read them with marlsim_world_info when it is not 0). One array keeps the call cheap. */
int marlsim_world_step(marlsim_world *world, const int32_t *discrete, const double *continuous, double outcome[4]);

/* All agents' observations side by side (total_observation_size floats); the state
 * (state_size floats; the observations concatenated when the world has no state function);
 * 1/0 availability flags of every discrete agent's actions side by side (total_available_size). */
const float *marlsim_world_observations(marlsim_world *world);
const float *marlsim_world_state(marlsim_world *world);
const uint8_t *marlsim_world_available(marlsim_world *world);

/* Steps taken in the current episode, and 1 while it is running. */
int marlsim_world_steps(marlsim_world *world);
int marlsim_world_running(marlsim_world *world);

/* The info fields the world reported so far: returns how many there are, and copies up to
 * `capacity` of their last values in this episode into `values` (NaN: not reported in it). */
int marlsim_world_info(marlsim_world *world, double *values, int capacity);
const char *marlsim_world_info_key(marlsim_world *world, int index);

/* The world's snapshot() as JSON, and restore(self, t) from such JSON (worlds with snapshot). */
const char *marlsim_world_snapshot(marlsim_world *world);
int marlsim_world_restore(marlsim_world *world, const char *json);

/* The world's render(self, draw) as a JSON list of draw calls:
 * {"kind": "circle"|"line"|"rect"|"text", "values": [...], "color": ..., "text": ...}. */
const char *marlsim_world_render(marlsim_world *world);

/* ---- many instances of one world, stepped in one call ---------------------------------------- */

typedef struct marlsim_batch marlsim_batch;

/* `count` instances; instance k is seeded from `seed` and k, as training's parallel worlds are.
 * `threads` > 1 steps them on that many threads (results do not depend on it). */
marlsim_batch *marlsim_batch_open(const char *file, const char *const *options, int option_count,
                                  uint64_t seed, int count, int threads, int memory_mib, int time_budget_ms);
void marlsim_batch_close(marlsim_batch *batch);
const char *marlsim_batch_spec(marlsim_batch *batch);
int marlsim_batch_count(marlsim_batch *batch);

/* Starts an episode in every instance. */
int marlsim_batch_reset(marlsim_batch *batch);

/* One step of every instance: `discrete` is [count][agents], `continuous` is
 * [count][total_continuous_size]. An instance whose episode ends is reset in the same call: its
 * rows then hold the new episode's first values, and the final_* arrays the values it ended on. */
int marlsim_batch_step(marlsim_batch *batch, const int32_t *discrete, const double *continuous);

/* Instance-major arrays: [count][total_observation_size], [count][state_size],
 * [count][total_available_size], and [count] rewards and flags of the last step. */
const float *marlsim_batch_observations(marlsim_batch *batch);
const float *marlsim_batch_state(marlsim_batch *batch);
const uint8_t *marlsim_batch_available(marlsim_batch *batch);
const float *marlsim_batch_final_observations(marlsim_batch *batch);
const float *marlsim_batch_final_state(marlsim_batch *batch);
const double *marlsim_batch_rewards(marlsim_batch *batch);
const uint8_t *marlsim_batch_terminated(marlsim_batch *batch);
const uint8_t *marlsim_batch_truncated(marlsim_batch *batch);

/* ---- a trained team ---------------------------------------------------------------------------- */

typedef struct marlsim_policy marlsim_policy;

/* The team a `marl-sim` run trained: its folder's config.json and model.safetensors, as
 * `marl-sim eval` loads them (the world path in config.json is relative to the working folder
 * the run was started from). */
marlsim_policy *marlsim_policy_open(const char *run_folder, int memory_mib, int time_budget_ms);
void marlsim_policy_close(marlsim_policy *policy);

/* The run's world description (as marlsim_world_spec) with "learner", "world" and "options" added. */
const char *marlsim_policy_spec(marlsim_policy *policy);

/* New episodes start in `instances` worlds: recurrent agents forget their memory. */
int marlsim_policy_begin(marlsim_policy *policy, int instances);

/* Actions for `instances` worlds from their arrays, laid out as a batch's (instance-major); writes
 * `discrete` [instances][agents] and `continuous` [instances][total_continuous_size] (may be NULL
 * when no agent is continuous). `stochastic` 0 acts greedily (as `marl-sim eval`), 1 samples. */
int marlsim_policy_act(marlsim_policy *policy, int instances, const float *observations, const float *state,
                       const uint8_t *available, int stochastic, int32_t *discrete, double *continuous);

#ifdef __cplusplus
}
#endif
#endif
