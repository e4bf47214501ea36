#!/usr/bin/env python3
"""Train on marl-sim's SMAC-like combat (envs/smac.lua) with BenchMARL, a PyTorch MARL framework,
through marlsim's PettingZoo ParallelEnv and TorchRL's PettingZoo wrapper.

Install (CPU-only torch; plain `pip install torch` pulls about 3 GB of CUDA wheels):
    python3 -m venv /tmp/benchmarl && /tmp/benchmarl/bin/pip install 'torch==2.13.0+cpu' torchvision benchmarl==1.5.2 ./python[pettingzoo]
Run from the marl-sim checkout after `scripts/setup`:
    /tmp/benchmarl/bin/python examples/benchmarl_smac.py --frames 6000 --algorithm qmix --map 3m

The team shares one group ("agents"); action masks come from the world's available actions, the
global state from its state function.
"""
import argparse
import tempfile

from torchrl.envs.libs.pettingzoo import PettingZooWrapper

from benchmarl.algorithms import MappoConfig, QmixConfig
from benchmarl.environments.pettingzoo.common import PettingZooClass
from benchmarl.experiment import Experiment, ExperimentConfig
from benchmarl.models.mlp import MlpConfig

import marlsim


class MarlSimTask(PettingZooClass):
    """A marl-sim world as a BenchMARL task: config holds the world file and its options."""

    def get_env_fun(self, num_envs, continuous_actions, seed, device):
        config = dict(self.config)
        world = config.pop("world")
        return lambda: PettingZooWrapper(
            env=marlsim.parallel_env(world, seed=seed or 0, **config),
            categorical_actions=True, device=device, seed=seed, return_state=True, use_mask=False, done_on_any=False)

    def supports_continuous_actions(self):
        return False

    def supports_discrete_actions(self):
        return True

    def has_state(self):
        return True

    def has_render(self, env):
        return False

    def max_steps(self, env):
        return env._env.spec.episode_limit

    @staticmethod
    def env_name():
        return "marlsim"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=6000, help="environment steps to train for")
    parser.add_argument("--algorithm", choices=["qmix", "mappo"], default="qmix")
    parser.add_argument("--map", default="3m")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", default=None, help="where BenchMARL writes its run (default: a temporary folder)")
    arguments = parser.parse_args()

    task = MarlSimTask(name=f"smac_{arguments.map}", config={"world": "envs/smac.lua", "map": arguments.map})
    experiment_config = ExperimentConfig.get_from_yaml()
    experiment_config.max_n_frames = arguments.frames
    experiment_config.on_policy_collected_frames_per_batch = 1000
    experiment_config.off_policy_collected_frames_per_batch = 1000
    experiment_config.off_policy_n_optimizer_steps = 50
    experiment_config.off_policy_train_batch_size = 128
    experiment_config.on_policy_minibatch_size = 250
    experiment_config.on_policy_n_minibatch_iters = 2
    experiment_config.evaluation = False
    experiment_config.render = False
    experiment_config.loggers = []
    experiment_config.create_json = False
    experiment_config.checkpoint_interval = 0
    experiment_config.checkpoint_at_end = False
    experiment_config.sampling_device = experiment_config.train_device = experiment_config.buffer_device = "cpu"
    experiment_config.save_folder = arguments.folder or tempfile.mkdtemp(prefix="benchmarl-marlsim-")
    algorithm = (QmixConfig if arguments.algorithm == "qmix" else MappoConfig).get_from_yaml()
    experiment = Experiment(task=task, algorithm_config=algorithm, model_config=MlpConfig.get_from_yaml(),
                            critic_model_config=MlpConfig.get_from_yaml(), seed=arguments.seed, config=experiment_config)
    experiment.run()
    print(f"trained {arguments.algorithm} on envs/smac.lua map={arguments.map} for {experiment.total_frames} frames "
          f"in {experiment.n_iters_performed} iterations; mean episode reward of the last batch: {experiment.mean_return:.3f}")


if __name__ == "__main__":
    main()
