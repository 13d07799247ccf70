package cpu_test

import (
	"testing"

	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/device/enginetest"
)

func TestColdOneWorker(t *testing.T)   { enginetest.ColdTest(t, &cpu.Engine{Workers: 1}, 1) }
func TestColdTwoWorkers(t *testing.T)  { enginetest.ColdTest(t, &cpu.Engine{Workers: 2}, 1) }
func TestIncreOneWorker(t *testing.T)  { enginetest.IncreTest(t, &cpu.Engine{Workers: 1}, 1) }
func TestIncreTwoWorkers(t *testing.T) { enginetest.IncreTest(t, &cpu.Engine{Workers: 2}, 1) }
