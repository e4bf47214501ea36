/* Uses libmarlsim through include/marlsim.h alone: a world, a batch and failures, from C. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "marlsim.h"

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "failed: %s (line %d): %s\n", #x, __LINE__, \
    marlsim_last_error() ? marlsim_last_error() : "no error"); return 1; } } while (0)

int main(int argc, char **argv) {
    CHECK(argc == 2);
    CHECK(marlsim_abi_version() == MARLSIM_ABI_VERSION);
    const char *options[] = {"agents=4", "preset=mpe2"};
    marlsim_world *world = marlsim_world_open("envs/spread.lua", options, 2, 7, 0, 0, 0);
    CHECK(world != NULL);
    CHECK(strstr(marlsim_world_spec(world), "\"agents\":4") != NULL);
    CHECK(marlsim_world_reset(world) == 0);
    int32_t ids[4] = {1, 2, 3, 4};
    double outcome[4] = {NAN, -1, -1, -1};
    int steps = 0;
    while (marlsim_world_running(world) == 1) {
        CHECK(marlsim_world_step(world, ids, NULL, outcome) == 0);
        steps++;
    }
    CHECK(steps == 25 && outcome[2] == 1 && outcome[1] == 0 && isfinite(outcome[0]) && outcome[3] == 0);
    CHECK(marlsim_world_observations(world)[0] == marlsim_world_observations(world)[0]);

    /* Failures come back as -1 / NULL with a message, never as a crash. */
    CHECK(marlsim_world_step(world, ids, NULL, outcome) == -1);
    CHECK(strstr(marlsim_last_error(), "reset first") != NULL);
    CHECK(marlsim_world_step(NULL, ids, NULL, outcome) == -1);
    CHECK(marlsim_world_reset(world) == 0);
    CHECK(marlsim_world_step(world, NULL, NULL, outcome) == -1);
    int32_t bad[4] = {9, 0, 0, 0};
    CHECK(marlsim_world_step(world, bad, NULL, outcome) == -1);
    CHECK(strstr(marlsim_last_error(), "\"rule\"") != NULL);
    CHECK(marlsim_world_open("envs/none.lua", NULL, 0, 1, 0, 0, 0) == NULL);
    CHECK(marlsim_world_open(NULL, NULL, 0, 1, 0, 0, 0) == NULL);
    CHECK(marlsim_world_open("envs/spread.lua", NULL, 3, 1, 0, 0, 0) == NULL);
    CHECK(marlsim_world_snapshot(world) != NULL || strstr(marlsim_last_error(), "snapshot") != NULL);
    CHECK(marlsim_world_info_key(world, 1000) == NULL);
    marlsim_world_close(world);
    marlsim_world_close(NULL);

    /* A batch of the 3x3 game: every step ends every episode and resets it in the same call. */
    marlsim_batch *batch = marlsim_batch_open("envs/matrix/nonmono.lua", NULL, 0, 1, 8, 2, 0, 0);
    CHECK(batch != NULL && marlsim_batch_count(batch) == 8);
    CHECK(marlsim_batch_reset(batch) == 0);
    int32_t joint[16] = {0};
    CHECK(marlsim_batch_step(batch, joint, NULL) == 0);
    for (int k = 0; k < 8; k++) CHECK(marlsim_batch_rewards(batch)[k] == 8 && marlsim_batch_terminated(batch)[k] + marlsim_batch_truncated(batch)[k] == 1);
    CHECK(marlsim_batch_step(batch, NULL, NULL) == -1);
    CHECK(marlsim_batch_open("envs/matrix/nonmono.lua", NULL, 0, 1, 0, 1, 0, 0) == NULL);
    marlsim_batch_close(batch);

    CHECK(marlsim_policy_open("no/such/run", 0, 0) == NULL);
    CHECK(marlsim_policy_act(NULL, 1, NULL, NULL, NULL, 0, NULL, NULL) == -1);
    printf("ok %s\n", argv[1]);
    return 0;
}
