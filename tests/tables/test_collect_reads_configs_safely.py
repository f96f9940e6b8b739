"""dalearn-collect and dalearn-select build nothing from a run's config, but they resolve its
values: a config that would read the environment (or call any resolver outside the safe list)
into a table is refused naming the file and key, while a method class of the user's own (a
``_target_`` outside the allow-list) is no reason to refuse reading numbers."""

from __future__ import annotations

import pytest
import yaml

from dalearn.tables import CollectError, read_runs


def run_dir(sweep, data_name: str, method: dict):
    run = sweep / "digits" / method["name"] / "seed0-00000000"
    run.mkdir(parents=True)
    config = {"data": {"name": data_name, "task": "clean2drift"}, "method": method, "seed": 0}
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    return run


def test_a_config_reading_the_environment_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("DALEARN_TEST_SECRET", "s3cr3t")
    run_dir(tmp_path, "${oc.env:DALEARN_TEST_SECRET}", {"name": "dann", "_target_": "dalearn.methods.DANN"})
    with pytest.raises(CollectError, match=r"data.name=.*environment variable 'DALEARN_TEST_SECRET'") as error:
        read_runs(tmp_path)
    assert "s3cr3t" not in str(error.value)


def test_a_method_of_the_users_own_is_read(tmp_path):
    run_dir(tmp_path, "digits_clean2drift", {"name": "mine", "_target_": "my_project.methods.Mine"})
    (run,) = read_runs(tmp_path)
    assert run.method == "mine" and run.task == "clean2drift" and not run.finished
