// The C side of the Lua host. Swift cannot import Lua's function-like macros, and nothing that can
// raise a Lua error (longjmp) may run in a Swift frame, so the allocator, the watchdog hook, the
// traceback handler and the bulk readers/writers of the hot path live here, in C.
#ifndef MARLSIM_CLUA_SHIM_H
#define MARLSIM_CLUA_SHIM_H
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
#include <lua5.4/lauxlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

static const int marl_LUA_REGISTRYINDEX = LUA_REGISTRYINDEX;

static inline void marl_lua_pop(lua_State *L, int n) { lua_settop(L, -(n)-1); }
static inline int marl_lua_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcallk(L, nargs, nresults, msgh, 0, NULL);
}
static inline const char *marl_lua_tostring(lua_State *L, int i, size_t *len) { return lua_tolstring(L, i, len); }
static inline void marl_lua_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcclosure(L, f, 0); }
static inline int marl_luaL_loadbuffer(lua_State *L, const char *buff, size_t sz, const char *name, const char *mode) {
    return luaL_loadbufferx(L, buff, sz, name, mode);
}

// ---- per-state control block: memory cap and runaway-call watchdog ----------------------------

typedef struct marl_control {
    size_t used;                        // bytes currently allocated by this state
    size_t limit;                       // cap, enforced only while world code runs
    size_t peak;
    int enforce;                        // 1 while a world call is running
    _Atomic int64_t call_started_ns;    // 0 when no world call is running
    _Atomic uint64_t call_id;           // increases with every world call
    _Atomic uint64_t killed_call;       // the call the watchdog stopped (0: none)
    int64_t budget_ms;
    lua_State *L;
    clockid_t cpu_clock;                // the CPU-time clock of the thread running the current call
    uint64_t seen_call;                 // watchdog only: the last call it saw running,
    int64_t seen_cpu_ns;                // that thread's CPU time when it first saw it,
    int64_t armed_cpu_ns;               // and when it armed the stop hook
} marl_control;

static inline int64_t marl_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// lua_Alloc with a cap: returning NULL makes Lua raise "not enough memory" inside the protected
// call. Shrinking never fails (the manual requires it).
static inline void *marl_limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    marl_control *c = (marl_control *)ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        c->used -= old;
        return NULL;
    }
    if (nsize > old && c->enforce && c->used - old + nsize > c->limit) return NULL;
    void *p = realloc(ptr, nsize);
    if (p == NULL) return NULL;
    c->used = c->used - old + nsize;
    if (c->used > c->peak) c->peak = c->used;
    return p;
}

static inline marl_control *marl_control_of(lua_State *L) { return *(marl_control **)lua_getextraspace(L); }

static inline lua_State *marl_newstate(marl_control *c) {
    lua_State *L = lua_newstate(marl_limited_alloc, c);
    if (L) { *(marl_control **)lua_getextraspace(L) = c; c->L = L; }
    return L;
}

// Armed by the watchdog thread only when a call overruns, so normal calls pay nothing. A hook left
// behind from an earlier call removes itself.
static inline void marl_kill_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    marl_control *c = marl_control_of(L);
    if (atomic_load(&c->killed_call) != 0 && atomic_load(&c->killed_call) == atomic_load(&c->call_id)) {
        // Level 0 is the function the hook interrupted: name the line that was looping.
        luaL_where(L, 0);
        lua_pushfstring(L, "stopped: the call ran longer than the time budget of %d ms (an endless loop?)",
                        (int)c->budget_ms);
        lua_concat(L, 2);
        lua_error(L);
    } else {
        lua_sethook(L, NULL, 0, 0);
    }
}

static inline void marl_begin_call(marl_control *c) {
    atomic_fetch_add(&c->call_id, 1);
    c->enforce = 1;
    pthread_getcpuclockid(pthread_self(), &c->cpu_clock);   // no system call: derived from the thread id
    atomic_store(&c->call_started_ns, marl_now_ns());
}

// Returns 1 when the watchdog stopped this call.
static inline int marl_end_call(marl_control *c) {
    atomic_store(&c->call_started_ns, 0);
    c->enforce = 0;
    int killed = atomic_load(&c->killed_call) == atomic_load(&c->call_id);
    if (killed) lua_sethook(c->L, NULL, 0, 0);
    return killed;
}

static inline int64_t marl_clock_ns(clockid_t clock) {
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0) return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

enum { MARL_CALL_OK = 0, MARL_CALL_STOPPING = 1, MARL_CALL_STUCK = 2 };

// Called from the watchdog thread every few milliseconds. The budget counts the CPU time of the
// thread running the call (from when the watchdog first saw it), so a loaded machine, where a
// thread waits for a core, does not stop healthy calls. Past the budget it arms the stop hook;
// MARL_CALL_STUCK means the call then ran `grace_ms` more CPU time without reaching the hook, which
// fires at the next VM instruction: it is inside a C function that cannot be interrupted.
static inline int marl_watchdog_check(marl_control *c, int64_t grace_ms) {
    uint64_t id = atomic_load(&c->call_id);
    if (atomic_load(&c->call_started_ns) == 0) return MARL_CALL_OK;
    int64_t cpu = marl_clock_ns(c->cpu_clock);
    // A clock read while one call ended and the next began must not count against the next one.
    if (cpu < 0 || atomic_load(&c->call_id) != id || atomic_load(&c->call_started_ns) == 0) return MARL_CALL_OK;
    if (c->seen_call != id) {
        c->seen_call = id;
        c->seen_cpu_ns = cpu;
        return MARL_CALL_OK;
    }
    if (atomic_load(&c->killed_call) == id) {
        return cpu - c->armed_cpu_ns >= grace_ms * 1000000 ? MARL_CALL_STUCK : MARL_CALL_STOPPING;
    }
    if (cpu - c->seen_cpu_ns < c->budget_ms * 1000000) return MARL_CALL_OK;
    c->armed_cpu_ns = cpu;
    atomic_store(&c->killed_call, id);
    lua_sethook(c->L, marl_kill_hook, LUA_MASKCOUNT | LUA_MASKCALL | LUA_MASKRET, 1);
    return MARL_CALL_STOPPING;
}

// ---- library functions given to the sandbox ---------------------------------------------------

// Message handler for every pcall: the error text plus a traceback.
static inline int marl_traceback(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) msg = lua_tostring(L, -1);
        else msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

// True when the watchdog stopped the running call: the sandbox's pcall re-raises then, so a world
// cannot swallow the stop.
static inline int marl_lib_stopped(lua_State *L) {
    marl_control *c = marl_control_of(L);
    lua_pushboolean(L, atomic_load(&c->killed_call) == atomic_load(&c->call_id));
    return 1;
}

static inline int marl_lib_clock(lua_State *L) {
    lua_pushnumber(L, ((lua_Number)clock()) / (lua_Number)CLOCKS_PER_SEC);
    return 1;
}

// print goes to stderr so that stdout stays machine-readable (trace emits JSON lines).
static inline int marl_lib_print(lua_State *L) {
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        if (i > 1) fputc('\t', stderr);
        fwrite(s, 1, len, stderr);
        lua_pop(L, 1);
    }
    fputc('\n', stderr);
    fflush(stderr);
    return 0;
}

// Reads a whole file for the sandbox's require; the Lua side decides which paths are allowed.
static inline int marl_lib_read_file(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    FILE *f = fopen(path, "rb");
    if (f == NULL) { lua_pushnil(L); return 1; }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) luaL_addlstring(&b, chunk, n);
    fclose(f);
    luaL_pushresult(&b);
    return 1;
}

// Opens the libraries the sandbox keeps (docs/design.md §2); run through lua_pcall.
static inline int marl_open_libs(lua_State *L) {
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_settop(L, 0);
    return 0;
}

// ---- hot-path bulk transfers (raw access: no metamethods, no allocation) ----------------------

enum { MARL_OK = 0, MARL_NOT_NUMBER = 1, MARL_NOT_FINITE = 2, MARL_TOO_MANY = 3, MARL_NOT_BOOLEAN = 4 };

// Reads t[1..n] as floats from the table at idx. On failure *bad is the 1-based index and the
// result says what was wrong. With clear_last, t[n] is set to nil afterwards so that a world that
// stops writing early is caught on the next call. Values are pushed in blocks and popped once per
// block, which halves the API calls per value; the caller guarantees MARL_BLOCK + 2 stack slots.
enum { MARL_BLOCK = 32 };
static inline int marl_read_floats(lua_State *L, int idx, int n, float *out, int *bad, int clear_last) {
    idx = lua_absindex(L, idx);
    int top = lua_gettop(L);
    for (int start = 1; start <= n; start += MARL_BLOCK) {
        int end = start + MARL_BLOCK - 1 < n ? start + MARL_BLOCK - 1 : n;
        for (int k = start; k <= end; k++) {
            if (lua_rawgeti(L, idx, k) != LUA_TNUMBER) { lua_settop(L, top); *bad = k; return MARL_NOT_NUMBER; }
        }
        for (int k = start; k <= end; k++) {
            lua_Number v = lua_tonumberx(L, top + 1 + k - start, NULL);
            if (!isfinite(v)) { lua_settop(L, top); *bad = k; return MARL_NOT_FINITE; }
            out[k - 1] = (float)v;
        }
        lua_settop(L, top);
    }
    if (lua_rawgeti(L, idx, n + 1) != LUA_TNIL) { lua_settop(L, top); *bad = n + 1; return MARL_TOO_MANY; }
    lua_settop(L, top);
    if (clear_last) { lua_pushnil(L); lua_rawseti(L, idx, n); }
    return MARL_OK;
}

static inline int marl_read_bools(lua_State *L, int idx, int n, uint8_t *out, int *bad) {
    idx = lua_absindex(L, idx);
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, idx, k);
        int type = lua_type(L, -1);
        out[k - 1] = (uint8_t)lua_toboolean(L, -1);
        lua_settop(L, -2);
        if (type != LUA_TBOOLEAN) { *bad = k; return MARL_NOT_BOOLEAN; }
    }
    if (lua_rawgeti(L, idx, n + 1) != LUA_TNIL) { lua_settop(L, -2); *bad = n + 1; return MARL_TOO_MANY; }
    lua_settop(L, -2);
    return MARL_OK;
}

// t[i] = values[i-1] + 1 (0-based host ids become 1-based Lua ids); t has its slots already.
static inline void marl_write_actions(lua_State *L, int idx, int n, const int32_t *values) {
    idx = lua_absindex(L, idx);
    for (int i = 1; i <= n; i++) { lua_pushinteger(L, (lua_Integer)values[i - 1] + 1); lua_rawseti(L, idx, i); }
}

static inline void marl_write_numbers(lua_State *L, int idx, int n, const double *values) {
    idx = lua_absindex(L, idx);
    for (int i = 1; i <= n; i++) { lua_pushnumber(L, values[i - 1]); lua_rawseti(L, idx, i); }
}
#endif

/* math.random's generator state (Lua 5.4: xoshiro256**, four 64-bit words in the userdata that
   math.random and math.randomseed share as upvalue 1), for checkpoints. Returns the state's size
   in bytes (0: not the layout expected); `into`/`from` hold 32 bytes. Leaves the stack as it was. */
static inline size_t marl_random_state(lua_State *L, void *into, const void *from) {
    size_t size = 0;
    int top = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, LUA_MATHLIBNAME) == LUA_TTABLE && lua_getfield(L, -1, "random") == LUA_TFUNCTION
        && lua_getupvalue(L, -1, 1) != NULL && lua_type(L, -1) == LUA_TUSERDATA && lua_rawlen(L, -1) == 32) {
        void *state = lua_touserdata(L, -1);
        if (into) memcpy(into, state, 32);
        if (from) memcpy(state, from, 32);
        size = 32;
    }
    lua_settop(L, top);
    return size;
}
